-- An order ships only once paid: every shipment has a captured payment at or before shipped_at, and its order
-- reached paid before it shipped. Checks the shipments of the run's window (every shipment without one).

with

shipments as (

    select * from {{ ref('fct_shipments') }}
    where {{ window_predicate('ship_date') }}

),

captured as (

    select
        order_id,
        min(created_at) as captured_at

    from {{ ref('fct_payments') }}
    where is_captured
    group by order_id

),

orders as (

    select * from {{ ref('fct_orders') }}

)

select
    shipments.shipment_id,
    shipments.order_id,
    shipments.shipped_at,
    captured.captured_at,
    orders.paid_at

from shipments
left join captured
    on shipments.order_id = captured.order_id
left join orders
    on shipments.order_id = orders.order_id

where captured.captured_at is null
    or captured.captured_at > shipments.shipped_at
    or orders.paid_at is null
    or orders.paid_at > shipments.shipped_at
