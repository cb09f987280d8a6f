{#- The calendar date of a timestamptz in UTC, whatever the session's time zone. -#}
{% macro utc_date(timestamp_column) -%}
    cast(({{ timestamp_column }} at time zone 'UTC') as date)
{%- endmacro %}
