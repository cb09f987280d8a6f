-- Written by `python -m ecom_pipeline.contract_copies` from the data contract (ecom_pipeline/contract): do not edit.
with

source as (

    select * from {{ source('ecom', 'order_items') }}

),

renamed as (

    select

        ---------- ids
        cast(order_item_id as text) as order_item_id,
        cast(order_id as text) as order_id,
        cast(product_id as text) as product_id,

        ---------- numerics
        cast(line_number as smallint) as line_number,
        cast(quantity as integer) as quantity,
        cast(unit_price as numeric(12, 2)) as unit_price,
        cast(discount as numeric(12, 2)) as discount,
        cast(line_total as numeric(12, 2)) as line_total,

        ---------- load metadata
        cast(_partition_date as date) as partition_date,
        cast(_loaded_at as timestamptz) as loaded_at

    from source

)

select * from renamed
