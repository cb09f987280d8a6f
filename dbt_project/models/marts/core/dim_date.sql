-- One row per calendar day from var epoch to 30 days after the latest order date.

with

orders as (

    select * from {{ ref('stg_ecom__orders') }}

),

bounds as (

    select
        cast('{{ var("epoch") }}' as date) as first_day,
        coalesce(max({{ utc_date('created_at') }}), cast('{{ var("epoch") }}' as date)) + 30 as last_day

    from orders

),

spine as (

    select cast(day as date) as date_day
    from bounds
    cross join lateral generate_series(bounds.first_day, bounds.last_day, interval '1 day') as day

),

final as (

    select
        date_day,
        cast(extract(isoyear from date_day) as integer) as iso_year,
        cast(extract(week from date_day) as integer) as iso_week,
        cast(extract(year from date_day) as integer) as year,
        cast(extract(quarter from date_day) as integer) as quarter,
        cast(extract(month from date_day) as integer) as month,
        trim(to_char(date_day, 'Month')) as month_name,
        cast(extract(day from date_day) as integer) as day_of_month,
        cast(extract(isodow from date_day) as integer) as day_of_week,
        trim(to_char(date_day, 'Day')) as day_name,
        cast(extract(doy from date_day) as integer) as day_of_year,
        cast(date_trunc('week', date_day) as date) as week_start_date,
        cast(date_trunc('month', date_day) as date) as month_start_date,
        cast(date_trunc('quarter', date_day) as date) as quarter_start_date,
        extract(isodow from date_day) in (6, 7) as is_weekend,
        date_day - cast('{{ var("epoch") }}' as date) as days_since_epoch

    from spine

)

select * from final
