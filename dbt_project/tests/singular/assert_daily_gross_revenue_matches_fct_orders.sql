-- agg_daily_revenue.gross_revenue of each day is the sum of fct_orders.total over the orders placed that day,
-- and its orders the count of them; a day with orders missing from the aggregate fails too. Checks the days of
-- the run's window (every day without one).

with

daily as (

    select * from {{ ref('agg_daily_revenue') }}
    where {{ window_predicate('order_date') }}

),

from_orders as (

    select
        order_date,
        count(*) as orders,
        sum(total) as gross_revenue

    from {{ ref('fct_orders') }}
    where {{ window_predicate('order_date') }}
    group by order_date

)

select
    coalesce(daily.order_date, from_orders.order_date) as order_date,
    daily.orders as agg_orders,
    from_orders.orders as fct_orders,
    daily.gross_revenue as agg_gross_revenue,
    from_orders.gross_revenue as fct_gross_revenue

from daily
full outer join from_orders
    on daily.order_date = from_orders.order_date

where daily.order_date is null
    or coalesce(from_orders.orders, 0) != daily.orders
    or coalesce(from_orders.gross_revenue, 0) != daily.gross_revenue
