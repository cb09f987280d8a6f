{#-
    Fails on every row where `expression` is not true (null counts as a failure unless `where` excludes it).
    For row-level arithmetic such as `total_local = subtotal_local - discount_local + tax_local + shipping_fee_local`.
    With `column_name`, the expression is appended to the column: `column_name: total`, `expression: ">= 0"`.
-#}
{% test expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
where not coalesce(
    {% if column_name is none %}({{ expression }}){% else %}({{ column_name }} {{ expression }}){% endif %},
    false
)

{% endtest %}
