-- Written by `python -m ecom_pipeline.contract_copies` from the data contract (ecom_pipeline/contract): do not edit.
with

source as (

    select * from {{ source('ecom', 'shipments') }}

),

renamed as (

    select

        ---------- ids
        cast(shipment_id as text) as shipment_id,
        cast(order_id as text) as order_id,

        ---------- text
        cast(carrier as text) as carrier,
        cast(tracking_number as text) as tracking_number,

        ---------- dates and timestamps
        cast(shipped_at as timestamptz) as shipped_at,
        cast(promised_delivery_date as date) as promised_delivery_date,

        ---------- load metadata
        cast(_partition_date as date) as partition_date,
        cast(_loaded_at as timestamptz) as loaded_at

    from source

)

select * from renamed
