-- One row per cohort month and month number: customers grouped by the month of their first order, and how many
-- of them ordered again in each later month, up to the month of the latest loaded day.

with

orders as (

    select * from {{ ref('fct_orders') }}

),

as_of as (

    select latest_loaded_day from {{ ref('int_latest_loaded_day') }}

),

customer_months as (

    select distinct
        customer_id,
        cast(date_trunc('month', order_date) as date) as order_month

    from orders

),

cohorts as (

    select
        customer_id,
        min(order_month) as cohort_month

    from customer_months
    group by customer_id

),

cohort_sizes as (

    select
        cohort_month,
        count(*) as cohort_size

    from cohorts
    group by cohort_month

),

cohort_grid as (

    select
        cohort_sizes.cohort_month,
        cohort_sizes.cohort_size,
        cast(month_number as integer) as month_number,
        cast(cohort_sizes.cohort_month + make_interval(months => cast(month_number as integer)) as date) as activity_month

    from cohort_sizes
    cross join as_of
    cross join lateral generate_series(
        0,
        (extract(year from as_of.latest_loaded_day) - extract(year from cohort_sizes.cohort_month)) * 12
        + extract(month from as_of.latest_loaded_day) - extract(month from cohort_sizes.cohort_month)
    ) as month_number

),

activity as (

    select
        cohorts.cohort_month,
        customer_months.order_month as activity_month,
        count(distinct customer_months.customer_id) as active_customers

    from customer_months
    inner join cohorts
        on customer_months.customer_id = cohorts.customer_id
    group by cohorts.cohort_month, customer_months.order_month

),

final as (

    select
        cohort_grid.cohort_month,
        cohort_grid.month_number,
        cohort_grid.activity_month,
        cohort_grid.cohort_size,
        coalesce(activity.active_customers, 0) as active_customers,
        cast(round(coalesce(activity.active_customers, 0)::numeric / cohort_grid.cohort_size, 4) as numeric(6, 4))
            as retention_rate

    from cohort_grid
    left join activity
        on cohort_grid.cohort_month = activity.cohort_month
        and cohort_grid.activity_month = activity.activity_month

)

select * from final
