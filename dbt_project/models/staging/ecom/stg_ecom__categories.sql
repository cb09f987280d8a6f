-- Written by `python -m ecom_pipeline.contract_copies` from the data contract (ecom_pipeline/contract): do not edit.
with

source as (

    select * from {{ source('ecom', 'categories') }}

),

renamed as (

    select

        ---------- ids
        cast(category_id as text) as category_id,
        cast(parent_category_id as text) as parent_category_id,

        ---------- text
        cast(name as text) as name,
        cast(path as text) as path,

        ---------- numerics
        cast(level as smallint) as level,

        ---------- dates and timestamps
        cast(created_at as timestamptz) as created_at,

        ---------- load metadata
        cast(_partition_date as date) as partition_date,
        cast(_loaded_at as timestamptz) as loaded_at

    from source

)

select * from renamed
