-- Written by `python -m ecom_pipeline.contract_copies` from the data contract (ecom_pipeline/contract): do not edit.
with

source as (

    select * from {{ source('ecom', 'orders') }}

),

renamed as (

    select

        ---------- ids
        cast(order_id as text) as order_id,
        cast(customer_id as text) as customer_id,
        cast(shipping_address_id as text) as shipping_address_id,

        ---------- text
        cast(currency as text) as currency,

        ---------- numerics
        cast(item_count as smallint) as item_count,
        cast(units as integer) as units,
        cast(subtotal as numeric(12, 2)) as subtotal,
        cast(discount as numeric(12, 2)) as discount,
        cast(tax as numeric(12, 2)) as tax,
        cast(shipping_fee as numeric(12, 2)) as shipping_fee,
        cast(total as numeric(12, 2)) as total,

        ---------- booleans
        cast(is_first_order as boolean) as is_first_order,

        ---------- dates and timestamps
        cast(created_at as timestamptz) as created_at,

        ---------- load metadata
        cast(_partition_date as date) as partition_date,
        cast(_loaded_at as timestamptz) as loaded_at

    from source

)

select * from renamed
