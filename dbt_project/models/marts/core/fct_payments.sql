-- One row per payment attempt (failed or captured), its amount in the local and the reporting currency.

with

payments as (

    select * from {{ ref('stg_ecom__payments') }}

),

orders as (

    select * from {{ ref('int_orders_in_reporting_currency') }}

),

fx_rates as (

    select * from {{ ref('int_fx_rates') }}

),

final as (

    select
        payments.payment_id,
        payments.order_id,
        orders.customer_id,
        payments.attempt,
        payments.method,
        payments.card_brand,
        payments.status,
        payments.status = 'captured' as is_captured,
        payments.failure_reason,
        payments.created_at,
        {{ utc_date('payments.created_at') }} as payment_date,

        fx_rates.reporting_currency,
        {{ to_reporting_currency('payments.amount', 'fx_rates.rate_to_reporting') }} as amount,
        payments.currency,
        fx_rates.rate_to_reporting as fx_rate,
        payments.amount as amount_local

    from payments
    left join orders
        on payments.order_id = orders.order_id
    left join fx_rates
        on payments.currency = fx_rates.currency

)

select * from final
