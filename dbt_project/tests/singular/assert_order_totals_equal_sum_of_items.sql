-- Each order's lines add up to its header: line count, units and subtotal exactly in the local currency, and the
-- subtotal in the reporting currency within the rounding of each line (half a cent per line). An order without
-- lines, or lines without an order, fail too. Checks the orders of the run's window (every order without one).

with

orders as (

    select * from {{ ref('fct_orders') }}
    where {{ window_predicate('order_date') }}

),

items as (

    select
        order_id,
        count(*) as item_count,
        sum(quantity) as units,
        sum(line_total_local) as subtotal_local,
        sum(line_total) as subtotal

    from {{ ref('fct_order_items') }}
    where {{ window_predicate('order_date') }}
    group by order_id

)

select
    coalesce(orders.order_id, items.order_id) as order_id,
    orders.item_count as order_item_count,
    items.item_count as lines,
    orders.units as order_units,
    items.units as line_units,
    orders.subtotal_local as order_subtotal_local,
    items.subtotal_local as lines_subtotal_local,
    orders.subtotal as order_subtotal,
    items.subtotal as lines_subtotal

from orders
full outer join items
    on orders.order_id = items.order_id

where orders.order_id is null
    or items.order_id is null
    or orders.item_count != items.item_count
    or orders.units != items.units
    or orders.subtotal_local != items.subtotal_local
    or abs(orders.subtotal - items.subtotal) > 0.005 * (items.item_count + 1)
