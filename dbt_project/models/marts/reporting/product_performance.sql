-- One row per product (sold or not): units and revenue in the reporting currency over all orders to date, net of
-- cancelled orders, with product cost and margin, and a rank by net revenue.

with

products as (

    select * from {{ ref('dim_products') }}

),

order_items as (

    select * from {{ ref('fct_order_items') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

sales as (

    select
        order_items.product_id,
        count(distinct order_items.order_id) as orders,
        sum(order_items.quantity) as units_sold,
        sum(order_items.line_total) as gross_revenue,
        coalesce(sum(order_items.quantity) filter (where not orders.is_cancelled), 0) as net_units_sold,
        coalesce(sum(order_items.line_total) filter (where not orders.is_cancelled), 0) as net_revenue,
        coalesce(sum(order_items.line_cost) filter (where not orders.is_cancelled), 0) as net_cost,
        min(order_items.created_at) as first_sold_at,
        max(order_items.created_at) as last_sold_at

    from order_items
    inner join orders
        on order_items.order_id = orders.order_id
    group by order_items.product_id

),

final as (

    select
        products.product_id,
        products.sku,
        products.product_name,
        products.brand,
        products.category_path,
        products.top_category_name,
        products.country,
        products.currency,
        products.is_active,
        products.launched_at,
        coalesce(sales.orders, 0) as orders,
        coalesce(sales.units_sold, 0) as units_sold,
        cast(coalesce(sales.gross_revenue, 0) as numeric(14, 2)) as gross_revenue,
        coalesce(sales.net_units_sold, 0) as net_units_sold,
        cast(coalesce(sales.net_revenue, 0) as numeric(14, 2)) as net_revenue,
        cast(coalesce(sales.net_cost, 0) as numeric(14, 2)) as net_cost,
        cast(coalesce(sales.net_revenue, 0) - coalesce(sales.net_cost, 0) as numeric(14, 2)) as net_margin,
        cast(
            round((sales.net_revenue - sales.net_cost) / nullif(sales.net_revenue, 0), 4) as numeric(8, 4)
        ) as net_margin_pct,
        sales.first_sold_at,
        sales.last_sold_at,
        cast(
            rank() over (order by coalesce(sales.net_revenue, 0) desc, products.product_id) as integer
        ) as net_revenue_rank,
        '{{ var("reporting_currency") }}' as reporting_currency

    from products
    left join sales
        on products.product_id = sales.product_id

)

select * from final
