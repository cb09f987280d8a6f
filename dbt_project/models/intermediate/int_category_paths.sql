-- One row per category with its path of display names from the root, e.g. 'Apparel > Women > Dresses'.

with recursive

categories as (

    select * from {{ ref('stg_ecom__categories') }}

),

walk as (

    select
        category_id,
        category_id as root_category_id,
        name as root_category_name,
        cast(name as text) as category_path,
        1 as depth

    from categories
    where parent_category_id is null

    union all

    select
        child.category_id,
        walk.root_category_id,
        walk.root_category_name,
        walk.category_path || ' > ' || child.name,
        walk.depth + 1

    from categories as child
    inner join walk
        on child.parent_category_id = walk.category_id

),

final as (

    select
        categories.category_id,
        categories.name as category_name,
        categories.level,
        categories.path as category_slug_path,
        walk.category_path,
        walk.root_category_id,
        walk.root_category_name

    from categories
    inner join walk
        on categories.category_id = walk.category_id

)

select * from final
