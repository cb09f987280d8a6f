-- One row per order: when it entered each status, and its current status. The current status is the furthest
-- one reached in the fixed order placed < paid < shipped < delivered < cancelled, not the latest timestamp, so
-- two changes at the same instant (or a clock skew) cannot make an order go backwards.

with

status_history as (

    select * from {{ ref('stg_ecom__order_status_history') }}

),

ranked as (

    select
        order_id,
        status,
        changed_at,
        partition_date,
        case status
            when 'placed' then 1
            when 'paid' then 2
            when 'shipped' then 3
            when 'delivered' then 4
            when 'cancelled' then 5
        end as status_rank

    from status_history

),

current_status as (

    select
        order_id,
        status as current_status,
        changed_at as current_status_at,
        row_number() over (
            partition by order_id
            order by status_rank desc, changed_at desc
        ) as position

    from ranked

),

pivoted as (

    select
        order_id,
        min(changed_at) filter (where status = 'placed') as placed_at,
        min(changed_at) filter (where status = 'paid') as paid_at,
        min(changed_at) filter (where status = 'shipped') as shipped_at,
        min(changed_at) filter (where status = 'delivered') as delivered_at,
        min(changed_at) filter (where status = 'cancelled') as cancelled_at,
        count(*) as status_changes,
        max(changed_at) as last_changed_at,
        max(partition_date) as last_changed_date

    from ranked
    group by order_id

),

final as (

    select
        pivoted.order_id,
        current_status.current_status,
        current_status.current_status_at,
        pivoted.placed_at,
        pivoted.paid_at,
        pivoted.shipped_at,
        pivoted.delivered_at,
        pivoted.cancelled_at,
        current_status.current_status = 'cancelled' as is_cancelled,
        current_status.current_status = 'delivered' as is_delivered,
        pivoted.status_changes,
        pivoted.last_changed_at,
        pivoted.last_changed_date

    from pivoted
    inner join current_status
        on pivoted.order_id = current_status.order_id
        and current_status.position = 1

)

select * from final
