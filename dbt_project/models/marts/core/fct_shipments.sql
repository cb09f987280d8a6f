-- One row per shipment (one per shipped order), with its delivery from the order's status history.

with

shipments as (

    select * from {{ ref('stg_ecom__shipments') }}

),

orders as (

    select * from {{ ref('stg_ecom__orders') }}

),

lifecycle as (

    select * from {{ ref('int_order_lifecycle') }}

),

final as (

    select
        shipments.shipment_id,
        shipments.order_id,
        orders.customer_id,
        orders.currency,
        shipments.carrier,
        shipments.tracking_number,
        shipments.shipped_at,
        {{ utc_date('shipments.shipped_at') }} as ship_date,
        shipments.promised_delivery_date,
        lifecycle.delivered_at,
        {{ utc_date('lifecycle.delivered_at') }} as delivery_date,
        lifecycle.delivered_at is not null as is_delivered,
        cast(
            round(cast(extract(epoch from lifecycle.delivered_at - shipments.shipped_at) / 86400 as numeric), 2)
            as numeric(8, 2)
        ) as delivery_days,
        case
            when lifecycle.delivered_at is null then null
            else {{ utc_date('lifecycle.delivered_at') }} <= shipments.promised_delivery_date
        end as is_delivered_on_time

    from shipments
    left join orders
        on shipments.order_id = orders.order_id
    left join lifecycle
        on shipments.order_id = lifecycle.order_id

)

select * from final
