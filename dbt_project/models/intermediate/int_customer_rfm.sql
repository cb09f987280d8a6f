-- One row per customer: recency, frequency and monetary value as of the latest loaded day, scored 1 to 5 on
-- fixed thresholds (stable from one day to the next, unlike quintiles), and a segment named from the scores.
-- Frequency and monetary count the orders not cancelled; a customer without one has no scores.

with

customers as (

    select * from {{ ref('stg_ecom__customers') }}

),

customer_orders as (

    select * from {{ ref('int_customer_orders') }}

),

as_of as (

    select latest_loaded_day as as_of_date from {{ ref('int_latest_loaded_day') }}

),

measured as (

    select
        customers.customer_id,
        as_of.as_of_date,
        as_of.as_of_date - {{ utc_date('customers.signup_at') }} as days_since_signup,
        as_of.as_of_date - {{ utc_date('customer_orders.last_non_cancelled_order_at') }} as recency_days,
        coalesce(customer_orders.non_cancelled_orders, 0) as frequency,
        coalesce(customer_orders.lifetime_revenue, 0) as monetary

    from customers
    cross join as_of
    left join customer_orders
        on customers.customer_id = customer_orders.customer_id

),

scored as (

    select
        *,
        case
            when frequency = 0 then null
            when recency_days <= 7 then 5
            when recency_days <= 30 then 4
            when recency_days <= 90 then 3
            when recency_days <= 180 then 2
            else 1
        end as r_score,
        case
            when frequency = 0 then null
            when frequency >= 8 then 5
            when frequency >= 5 then 4
            when frequency >= 3 then 3
            when frequency >= 2 then 2
            else 1
        end as f_score,
        case
            when frequency = 0 then null
            when monetary >= 2000 then 5
            when monetary >= 1000 then 4
            when monetary >= 500 then 3
            when monetary >= 200 then 2
            else 1
        end as m_score

    from measured

),

segmented as (

    select
        customer_id,
        as_of_date,
        recency_days,
        frequency,
        monetary,
        r_score,
        f_score,
        m_score,
        cast(r_score as text) || cast(f_score as text) || cast(m_score as text) as rfm_score,
        case
            when frequency = 0 and days_since_signup <= 30 then 'new'
            when frequency = 0 then 'prospect'
            when r_score >= 4 and f_score >= 4 and m_score >= 4 then 'champions'
            when r_score >= 3 and f_score >= 3 then 'loyal'
            when r_score >= 4 and frequency = 1 then 'new'
            when r_score >= 3 then 'potential'
            when f_score >= 3 or m_score >= 4 then 'at_risk'
            else 'hibernating'
        end as rfm_segment

    from scored

)

select * from segmented
