-- Written by `python -m ecom_pipeline.contract_copies` from the data contract (ecom_pipeline/contract): do not edit.
with

source as (

    select * from {{ source('ecom', 'customers') }}

),

renamed as (

    select

        ---------- ids
        cast(customer_id as text) as customer_id,

        ---------- text
        cast(first_name as text) as first_name,
        cast(last_name as text) as last_name,
        cast(email as text) as email,
        cast(phone as text) as phone,
        cast(gender as text) as gender,
        cast(country as text) as country,
        cast(locale as text) as locale,
        cast(segment as text) as segment,
        cast(time_zone as text) as time_zone,

        ---------- booleans
        cast(marketing_consent as boolean) as marketing_consent,

        ---------- dates and timestamps
        cast(birth_date as date) as birth_date,
        cast(signup_at as timestamptz) as signup_at,

        ---------- load metadata
        cast(_partition_date as date) as partition_date,
        cast(_loaded_at as timestamptz) as loaded_at

    from source

)

select * from renamed
