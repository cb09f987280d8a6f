{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='order_id',
        on_schema_change='sync_all_columns'
    )
}}

-- One row per order: money in the reporting currency (and in the local one, *_local), lifecycle timestamps and
-- current status. Incremental: a run with a window (macro run_window) rebuilds the orders of the window (see macro
-- order_window_filter), so a status change loaded later is picked up by the run of the day it lands.

with

orders as (

    select * from {{ ref('int_orders_in_reporting_currency') }}

),

lifecycle as (

    select * from {{ ref('int_order_lifecycle') }}

),

final as (

    select
        orders.order_id,
        orders.customer_id,
        orders.shipping_address_id,
        orders.order_date,
        orders.created_at,

        lifecycle.current_status,
        lifecycle.current_status_at,
        lifecycle.placed_at,
        lifecycle.paid_at,
        lifecycle.shipped_at,
        lifecycle.delivered_at,
        lifecycle.cancelled_at,
        coalesce(lifecycle.is_cancelled, false) as is_cancelled,
        coalesce(lifecycle.is_delivered, false) as is_delivered,
        orders.is_first_order,

        orders.item_count,
        orders.units,

        orders.reporting_currency,
        orders.subtotal,
        orders.discount,
        orders.tax,
        orders.shipping_fee,
        orders.total,

        orders.currency,
        orders.fx_rate,
        orders.subtotal_local,
        orders.discount_local,
        orders.tax_local,
        orders.shipping_fee_local,
        orders.total_local,

        lifecycle.last_changed_date

    from orders
    left join lifecycle
        on orders.order_id = lifecycle.order_id

)

select * from final
where {{ order_window_filter('order_date', 'last_changed_date') }}
