-- Written by `python -m ecom_pipeline.contract_copies` from the data contract (ecom_pipeline/contract): do not edit.
with

source as (

    select * from {{ source('ecom', 'products') }}

),

renamed as (

    select

        ---------- ids
        cast(product_id as text) as product_id,
        cast(category_id as text) as category_id,

        ---------- text
        cast(sku as text) as sku,
        cast(name as text) as name,
        cast(brand as text) as brand,
        cast(currency as text) as currency,
        cast(country as text) as country,
        cast(size as text) as size,
        cast(color as text) as color,
        cast(material as text) as material,

        ---------- numerics
        cast(price as numeric(12, 2)) as price,
        cast(cost as numeric(12, 2)) as cost,

        ---------- booleans
        cast(is_active as boolean) as is_active,

        ---------- dates and timestamps
        cast(launched_at as timestamptz) as launched_at,

        ---------- load metadata
        cast(_partition_date as date) as partition_date,
        cast(_loaded_at as timestamptz) as loaded_at

    from source

)

select * from renamed
