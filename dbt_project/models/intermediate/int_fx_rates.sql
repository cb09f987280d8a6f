-- The fx_rates seed rebased on var reporting_currency, so the marts can report in any currency of the seed.

with

seed_rates as (

    select * from {{ ref('fx_rates') }}

),

reporting as (

    select rate_to_reporting as reporting_rate
    from seed_rates
    where currency = '{{ var("reporting_currency") }}'

),

rebased as (

    select
        seed_rates.currency,
        cast('{{ var("reporting_currency") }}' as text) as reporting_currency,
        cast(seed_rates.rate_to_reporting / reporting.reporting_rate as numeric(18, 6)) as rate_to_reporting

    from seed_rates
    cross join reporting

)

select * from rebased
