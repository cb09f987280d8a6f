{#-
    The rows an incremental run rebuilds, as a SQL predicate.

    An incremental run with a window (macro run_window) rebuilds the orders placed in
    [start - lookback_days, end], so status changes that land a few days after the order are absorbed; with
    `changed_date_column`, also the older orders whose status changed within [start, end] (a slow delivery past
    the lookback). A first build, a --full-refresh, or a run without a window rebuilds everything (`true`).
-#}
{% macro order_window_filter(order_date_column, changed_date_column=none) -%}
    {%- set window = run_window() -%}
    {%- if is_incremental() and (window.start or window.end) -%}
        (
            {{ window_predicate(order_date_column) }}
            {%- if changed_date_column and window.start %}
            or (
                {{ changed_date_column }} >= cast('{{ window.start }}' as date)
                and {% if window.end %}{{ changed_date_column }} <= cast('{{ window.end }}' as date){% else %}true{% endif %}
            )
            {%- endif %}
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
