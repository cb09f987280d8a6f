-- One row per order, its money in the local (storefront) currency and converted to the reporting currency.
-- Each amount is converted and rounded to cents on its own.

with

orders as (

    select * from {{ ref('stg_ecom__orders') }}

),

fx_rates as (

    select * from {{ ref('int_fx_rates') }}

),

converted as (

    select
        orders.order_id,
        orders.customer_id,
        orders.shipping_address_id,
        orders.created_at,
        {{ utc_date('orders.created_at') }} as order_date,
        orders.is_first_order,
        orders.item_count,
        orders.units,

        orders.currency,
        fx_rates.reporting_currency,
        fx_rates.rate_to_reporting as fx_rate,

        orders.subtotal as subtotal_local,
        orders.discount as discount_local,
        orders.tax as tax_local,
        orders.shipping_fee as shipping_fee_local,
        orders.total as total_local,

        {{ to_reporting_currency('orders.subtotal', 'fx_rates.rate_to_reporting') }} as subtotal,
        {{ to_reporting_currency('orders.discount', 'fx_rates.rate_to_reporting') }} as discount,
        {{ to_reporting_currency('orders.tax', 'fx_rates.rate_to_reporting') }} as tax,
        {{ to_reporting_currency('orders.shipping_fee', 'fx_rates.rate_to_reporting') }} as shipping_fee,
        {{ to_reporting_currency('orders.total', 'fx_rates.rate_to_reporting') }} as total,

        orders.partition_date

    from orders
    left join fx_rates
        on orders.currency = fx_rates.currency

)

select * from converted
