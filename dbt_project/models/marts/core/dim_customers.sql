-- One row per registered customer: attributes, default address, order history and RFM as of the latest loaded day.

with

customers as (

    select * from {{ ref('stg_ecom__customers') }}

),

addresses as (

    select * from {{ ref('stg_ecom__addresses') }}

),

customer_orders as (

    select * from {{ ref('int_customer_orders') }}

),

rfm as (

    select * from {{ ref('int_customer_rfm') }}

),

default_addresses as (

    select
        customer_id,
        address_id,
        city,
        region,
        postal_code,
        country,
        row_number() over (partition by customer_id order by is_default desc, created_at, address_id) as position

    from addresses

),

final as (

    select
        customers.customer_id,
        customers.first_name,
        customers.last_name,
        customers.email,
        customers.phone,
        customers.gender,
        customers.birth_date,
        customers.country,
        customers.locale,
        customers.segment,
        customers.marketing_consent,
        customers.signup_at,
        {{ utc_date('customers.signup_at') }} as signup_date,

        default_addresses.address_id as default_address_id,
        default_addresses.city as default_city,
        default_addresses.region as default_region,
        default_addresses.postal_code as default_postal_code,

        customer_orders.first_order_at,
        customer_orders.last_order_at,
        coalesce(customer_orders.lifetime_orders, 0) as lifetime_orders,
        coalesce(customer_orders.cancelled_orders, 0) as cancelled_orders,
        cast(coalesce(customer_orders.lifetime_revenue, 0) as numeric(14, 2)) as lifetime_revenue,

        rfm.as_of_date as rfm_as_of_date,
        rfm.recency_days,
        rfm.frequency,
        rfm.monetary,
        rfm.r_score,
        rfm.f_score,
        rfm.m_score,
        rfm.rfm_score,
        rfm.rfm_segment

    from customers
    left join default_addresses
        on customers.customer_id = default_addresses.customer_id
        and default_addresses.position = 1
    left join customer_orders
        on customers.customer_id = customer_orders.customer_id
    left join rfm
        on customers.customer_id = rfm.customer_id

)

select * from final
