-- Written by `python -m ecom_pipeline.contract_copies` from the data contract (ecom_pipeline/contract): do not edit.
with

source as (

    select * from {{ source('ecom', 'payments') }}

),

renamed as (

    select

        ---------- ids
        cast(payment_id as text) as payment_id,
        cast(order_id as text) as order_id,

        ---------- text
        cast(method as text) as method,
        cast(card_brand as text) as card_brand,
        cast(card_bin as text) as card_bin,
        cast(card_last4 as text) as card_last4,
        cast(currency as text) as currency,
        cast(status as text) as status,
        cast(failure_reason as text) as failure_reason,

        ---------- numerics
        cast(attempt as smallint) as attempt,
        cast(amount as numeric(12, 2)) as amount,

        ---------- dates and timestamps
        cast(created_at as timestamptz) as created_at,

        ---------- load metadata
        cast(_partition_date as date) as partition_date,
        cast(_loaded_at as timestamptz) as loaded_at

    from source

)

select * from renamed
