-- Written by `python -m ecom_pipeline.contract_copies` from the data contract (ecom_pipeline/contract): do not edit.
with

source as (

    select * from {{ source('ecom', 'addresses') }}

),

renamed as (

    select

        ---------- ids
        cast(address_id as text) as address_id,
        cast(customer_id as text) as customer_id,

        ---------- text
        cast(line1 as text) as line1,
        cast(city as text) as city,
        cast(region as text) as region,
        cast(postal_code as text) as postal_code,
        cast(country as text) as country,

        ---------- booleans
        cast(is_default as boolean) as is_default,

        ---------- dates and timestamps
        cast(created_at as timestamptz) as created_at,

        ---------- load metadata
        cast(_partition_date as date) as partition_date,
        cast(_loaded_at as timestamptz) as loaded_at

    from source

)

select * from renamed
