-- One row per product: catalog attributes, category path, and unit economics in the local and reporting currency.

with

products as (

    select * from {{ ref('stg_ecom__products') }}

),

category_paths as (

    select * from {{ ref('int_category_paths') }}

),

fx_rates as (

    select * from {{ ref('int_fx_rates') }}

),

final as (

    select
        products.product_id,
        products.sku,
        products.name as product_name,
        products.brand,
        products.category_id,
        category_paths.category_name,
        category_paths.category_path,
        category_paths.root_category_name as top_category_name,
        products.country,
        products.size,
        products.color,
        products.material,
        products.launched_at,
        products.is_active,

        products.currency,
        products.price,
        products.cost,
        products.price - products.cost as margin,
        cast(round((products.price - products.cost) / products.price, 4) as numeric(6, 4)) as margin_pct,

        fx_rates.reporting_currency,
        fx_rates.rate_to_reporting as fx_rate,
        {{ to_reporting_currency('products.price', 'fx_rates.rate_to_reporting') }} as price_reporting,
        {{ to_reporting_currency('products.cost', 'fx_rates.rate_to_reporting') }} as cost_reporting

    from products
    left join category_paths
        on products.category_id = category_paths.category_id
    left join fx_rates
        on products.currency = fx_rates.currency

)

select * from final
