{#-
    The rows an incremental run rebuilds, as a SQL predicate.

    Dagster passes the partition window as vars `start_date` and `end_date` (one day or a range). An incremental
    run rebuilds the orders placed in [start_date - lookback_days, end_date], so status changes that land a few
    days after the order are absorbed; with `changed_date_column`, also the older orders whose status changed
    within [start_date, end_date] (a slow delivery past the lookback). A first build, a --full-refresh, or a run
    without the vars rebuilds everything (the predicate is `true`).
-#}
{% macro order_window_filter(order_date_column, changed_date_column=none) -%}
    {%- set start_date = var('start_date', none) -%}
    {%- set end_date = var('end_date', none) -%}
    {%- if start_date and end_date and (start_date | string) > (end_date | string) -%}
        {{ exceptions.raise_compiler_error("var start_date " ~ start_date ~ " is after end_date " ~ end_date) }}
    {%- endif -%}
    {%- if is_incremental() and (start_date or end_date) -%}
        {%- set lower = "cast('" ~ start_date ~ "' as date)" -%}
        {%- set upper = "cast('" ~ end_date ~ "' as date)" -%}
        (
            (
                {% if start_date %}{{ order_date_column }} >= {{ lower }} - {{ var('lookback_days') | int }}{% else %}true{% endif %}
                and {% if end_date %}{{ order_date_column }} <= {{ upper }}{% else %}true{% endif %}
            )
            {%- if changed_date_column and start_date %}
            or (
                {{ changed_date_column }} >= {{ lower }}
                and {% if end_date %}{{ changed_date_column }} <= {{ upper }}{% else %}true{% endif %}
            )
            {%- endif %}
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
