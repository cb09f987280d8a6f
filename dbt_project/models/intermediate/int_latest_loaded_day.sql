-- One row: the latest day partition loaded into raw, the "as of" date for recency and current statuses.
-- Every loaded day with activity has status changes; sign-ups cover a day without orders.

with

status_days as (

    select max(partition_date) as last_day from {{ ref('stg_ecom__order_status_history') }}

),

signup_days as (

    select max(partition_date) as last_day from {{ ref('stg_ecom__customers') }}

),

final as (

    select greatest(status_days.last_day, signup_days.last_day) as latest_loaded_day
    from status_days
    cross join signup_days

)

select * from final
