{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='order_item_id',
        on_schema_change='sync_all_columns'
    )
}}

-- One row per order line, with its money and its cost in the local and the reporting currency.
-- Incremental over the same window as fct_orders (lines never change once their order is placed).

with

order_items as (

    select * from {{ ref('stg_ecom__order_items') }}

),

orders as (

    select * from {{ ref('int_orders_in_reporting_currency') }}

),

products as (

    select * from {{ ref('stg_ecom__products') }}

),

final as (

    select
        order_items.order_item_id,
        order_items.order_id,
        order_items.line_number,
        order_items.product_id,
        orders.customer_id,
        orders.order_date,
        orders.created_at,

        order_items.quantity,

        orders.reporting_currency,
        {{ to_reporting_currency('order_items.unit_price', 'orders.fx_rate') }} as unit_price,
        {{ to_reporting_currency('order_items.discount', 'orders.fx_rate') }} as discount,
        {{ to_reporting_currency('order_items.line_total', 'orders.fx_rate') }} as line_total,
        {{ to_reporting_currency('order_items.quantity * products.cost', 'orders.fx_rate') }} as line_cost,

        orders.currency,
        orders.fx_rate,
        order_items.unit_price as unit_price_local,
        order_items.discount as discount_local,
        order_items.line_total as line_total_local,
        products.cost as unit_cost_local,
        cast(order_items.quantity * products.cost as numeric(14, 2)) as line_cost_local

    from order_items
    inner join orders
        on order_items.order_id = orders.order_id
    left join products
        on order_items.product_id = products.product_id

)

select * from final
where {{ order_window_filter('order_date') }}
