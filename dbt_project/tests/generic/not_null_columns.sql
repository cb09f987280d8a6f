{#-
    Fails with one row per listed column that holds nulls: the column's name and how many rows. A model's
    non-key columns share this one test (a test per column costs every run a query, a dbt node and a Dagster
    check); keys keep dbt's own `not_null` next to their `unique` and `relationships` tests.
-#}
{% test not_null_columns(model, columns) %}

select column_name, null_rows
from (
    {%- for column in columns %}
    select '{{ column }}' as column_name, count(*) as null_rows from {{ model }} where {{ adapter.quote(column) }} is null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
) as counted
where null_rows > 0

{% endtest %}
