-- One row per customer who has placed at least one order: order counts and revenue over their whole history.
-- Revenue counts the orders not cancelled (as of the latest loaded day), in the reporting currency.

with

orders as (

    select * from {{ ref('int_orders_in_reporting_currency') }}

),

lifecycle as (

    select * from {{ ref('int_order_lifecycle') }}

),

orders_with_status as (

    select
        orders.customer_id,
        orders.created_at,
        orders.total,
        coalesce(lifecycle.is_cancelled, false) as is_cancelled

    from orders
    left join lifecycle
        on orders.order_id = lifecycle.order_id

),

aggregated as (

    select
        customer_id,
        min(created_at) as first_order_at,
        max(created_at) as last_order_at,
        count(*) as lifetime_orders,
        count(*) filter (where is_cancelled) as cancelled_orders,
        count(*) filter (where not is_cancelled) as non_cancelled_orders,
        max(created_at) filter (where not is_cancelled) as last_non_cancelled_order_at,
        cast(coalesce(sum(total) filter (where not is_cancelled), 0) as numeric(14, 2)) as lifetime_revenue

    from orders_with_status
    group by customer_id

)

select * from aggregated
