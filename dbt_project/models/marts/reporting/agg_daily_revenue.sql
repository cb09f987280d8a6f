{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='order_date',
        on_schema_change='sync_all_columns'
    )
}}

-- One row per day from the epoch to the latest loaded day: orders placed that day and their revenue in the
-- reporting currency, sign-ups, cancellations (as of the latest loaded day) and returning customers.
-- Incremental on order_date over the window of fct_orders, plus the days of older orders whose status changed
-- within the window.

with

days as (

    select date_day as order_date
    from {{ ref('dim_date') }}
    where date_day <= (select latest_loaded_day from {{ ref('int_latest_loaded_day') }})

),

orders as (

    select * from {{ ref('fct_orders') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

first_order_dates as (

    select
        customer_id,
        min(order_date) as first_order_date

    from orders
    group by customer_id

),

daily_orders as (

    select
        orders.order_date,
        count(*) as orders,
        count(distinct orders.customer_id) as customers,
        count(distinct orders.customer_id) filter (
            where first_order_dates.first_order_date < orders.order_date
        ) as returning_customers,
        sum(orders.units) as units,
        sum(orders.total) as gross_revenue,
        count(*) filter (where orders.is_cancelled) as cancelled_orders,
        coalesce(sum(orders.total) filter (where orders.is_cancelled), 0) as cancelled_revenue,
        max(orders.last_changed_date) as last_changed_date

    from orders
    inner join first_order_dates
        on orders.customer_id = first_order_dates.customer_id
    group by orders.order_date

),

daily_signups as (

    select
        signup_date,
        count(*) as new_customers

    from customers
    group by signup_date

),

final as (

    select
        days.order_date,
        coalesce(daily_orders.orders, 0) as orders,
        coalesce(daily_orders.customers, 0) as customers,
        coalesce(daily_signups.new_customers, 0) as new_customers,
        coalesce(daily_orders.returning_customers, 0) as returning_customers,
        coalesce(daily_orders.units, 0) as units,
        cast(coalesce(daily_orders.gross_revenue, 0) as numeric(14, 2)) as gross_revenue,
        coalesce(daily_orders.cancelled_orders, 0) as cancelled_orders,
        cast(coalesce(daily_orders.cancelled_revenue, 0) as numeric(14, 2)) as cancelled_revenue,
        cast(
            coalesce(daily_orders.gross_revenue, 0) - coalesce(daily_orders.cancelled_revenue, 0)
            as numeric(14, 2)
        ) as net_revenue,
        cast(round(daily_orders.gross_revenue / nullif(daily_orders.orders, 0), 2) as numeric(14, 2)) as aov,
        '{{ var("reporting_currency") }}' as reporting_currency,
        daily_orders.last_changed_date

    from days
    left join daily_orders
        on days.order_date = daily_orders.order_date
    left join daily_signups
        on days.order_date = daily_signups.signup_date

)

select
    order_date,
    orders,
    customers,
    new_customers,
    returning_customers,
    units,
    gross_revenue,
    cancelled_orders,
    cancelled_revenue,
    net_revenue,
    aov,
    reporting_currency

from final
where {{ order_window_filter('order_date', 'last_changed_date') }}
