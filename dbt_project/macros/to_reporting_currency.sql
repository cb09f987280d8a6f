{#- A local-currency amount in the reporting currency, rounded to cents: `rate` is reporting units per local unit. -#}
{% macro to_reporting_currency(amount_column, rate_column) -%}
    cast(round({{ amount_column }} * {{ rate_column }}, 2) as numeric(14, 2))
{%- endmacro %}
