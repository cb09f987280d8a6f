{#-
    The relation a generic data test reads, narrowed by the test's `where` config (dbt's own macro, overridden).

    `__window__` in `where` (every test's default, see dbt_project.yml) stands for the run's window on the tested
    relation's `window_column` (its meta: `partition_date` for staging, the business date for the facts): a
    windowed run tests the rows it (re)wrote, a run without a window tests whole tables. A relation without a
    window column is always tested whole. It is resolved here, at execution, because `where` itself is rendered
    while parsing (see macro run_window).
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') or '' -%}
    {%- if '__window__' in where -%}
        {%- set tested = graph.nodes.get(model.attached_node) if model.attached_node else none -%}
        {%- set column = tested.config.meta.get('window_column') if tested else none -%}
        {%- set predicate = window_predicate(column) if column else 'true' -%}
        {%- set where = where | replace('__window__', predicate | trim) -%}
    {%- endif -%}
    {%- if where and where | trim != 'true' -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}
