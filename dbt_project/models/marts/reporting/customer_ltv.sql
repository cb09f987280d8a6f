-- One row per customer who has placed an order: lifetime value to date in the reporting currency (revenue and
-- product margin of the orders not cancelled), order cadence and RFM segment, as of the latest loaded day.

with

customers as (

    select * from {{ ref('dim_customers') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

order_items as (

    select * from {{ ref('fct_order_items') }}

),

order_margins as (

    select
        order_items.order_id,
        sum(order_items.line_total - order_items.line_cost) as product_margin

    from order_items
    group by order_items.order_id

),

customer_margins as (

    select
        orders.customer_id,
        sum(order_margins.product_margin) as lifetime_product_margin

    from orders
    inner join order_margins
        on orders.order_id = order_margins.order_id
    where not orders.is_cancelled
    group by orders.customer_id

),

final as (

    select
        customers.customer_id,
        customers.country,
        customers.segment,
        customers.signup_date,
        cast(date_trunc('month', {{ utc_date('customers.first_order_at') }}) as date) as cohort_month,
        {{ utc_date('customers.first_order_at') }} as first_order_date,
        {{ utc_date('customers.last_order_at') }} as last_order_date,
        customers.rfm_as_of_date - {{ utc_date('customers.first_order_at') }} as tenure_days,
        customers.lifetime_orders,
        customers.cancelled_orders,
        customers.frequency as non_cancelled_orders,
        customers.lifetime_revenue,
        cast(coalesce(customer_margins.lifetime_product_margin, 0) as numeric(14, 2)) as lifetime_product_margin,
        cast(round(customers.lifetime_revenue / nullif(customers.frequency, 0), 2) as numeric(14, 2))
            as average_order_value,
        customers.rfm_segment,
        customers.rfm_as_of_date as as_of_date

    from customers
    left join customer_margins
        on customers.customer_id = customer_margins.customer_id
    where customers.lifetime_orders > 0

)

select * from final
