-- Written by `python -m ecom_pipeline.contract_copies` from the data contract (ecom_pipeline/contract): do not edit.
with

source as (

    select * from {{ source('ecom', 'order_status_history') }}

),

renamed as (

    select

        ---------- ids
        cast(order_id as text) as order_id,

        ---------- text
        cast(status as text) as status,

        ---------- dates and timestamps
        cast(changed_at as timestamptz) as changed_at,

        ---------- load metadata
        cast(_partition_date as date) as partition_date,
        cast(_loaded_at as timestamptz) as loaded_at

    from source

)

select * from renamed
