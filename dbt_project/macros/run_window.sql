{#-
    The window of days a run processes, from ECOM_DBT_START_DATE and ECOM_DBT_END_DATE (YYYY-MM-DD; unset or
    empty: no bound, i.e. everything). Vars start_date / end_date, when given on the command line, win over them.

    Read only while executing, never while parsing: the window changes on every run, and anything dbt reads at
    parse time (a var, an env_var) is part of what decides whether it may reuse its partial parse. Dagster passes
    the window through the environment, so a run re-parses nothing.
-#}
{% macro run_window() -%}
    {%- if not execute -%}
        {{ return({'start': none, 'end': none}) }}
    {%- endif -%}
    {%- set bounds = {} -%}
    {%- for bound, variable in [('start', 'ECOM_DBT_START_DATE'), ('end', 'ECOM_DBT_END_DATE')] -%}
        {%- set value = var(bound ~ '_date', none) or env_var(variable, '') -%}
        {%- set value = (value | string | trim) or none -%}
        {%- if value is not none -%}
            {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', value) -%}
                {{ exceptions.raise_compiler_error(variable ~ "=" ~ value ~ " is not a date in YYYY-MM-DD form") }}
            {%- endif -%}
            {%- do modules.datetime.date.fromisoformat(value) -%}
        {%- endif -%}
        {%- do bounds.update({bound: value}) -%}
    {%- endfor -%}
    {%- if bounds.start and bounds.end and bounds.start > bounds.end -%}
        {{ exceptions.raise_compiler_error(
            "the window starts after it ends: ECOM_DBT_START_DATE=" ~ bounds.start ~ ", ECOM_DBT_END_DATE=" ~ bounds.end
        ) }}
    {%- endif -%}
    {{ return(bounds) }}
{%- endmacro %}


{#-
    SQL predicate: `date_column` falls within the run's window widened by var lookback_days at the start (the days
    an incremental run rewrites); `true` without a window.
-#}
{% macro window_predicate(date_column) -%}
    {%- set window = run_window() -%}
    {%- if window.start or window.end -%}
        (
            {% if window.start %}{{ date_column }} >= cast('{{ window.start }}' as date) - {{ var('lookback_days') | int }}{% else %}true{% endif %}
            and {% if window.end %}{{ date_column }} <= cast('{{ window.end }}' as date){% else %}true{% endif %}
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
