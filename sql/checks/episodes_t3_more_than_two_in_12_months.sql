-- DfE rule: at most two T3 placements for a child in any 12 months. The third and later T3
-- episodes starting within 12 months (365 days) after an earlier T3 are reported.
with t3 as (
    select _line, "CHILD", "DECOM", "PLACE" from valid_episodes where "PLACE" = 'T3'
),

counted as (
    select
        *,
        count(*) over (
            partition by "CHILD" order by "DECOM"
            range between interval 364 days preceding and current row
        ) as t3_in_12_months
    from t3
)

select
    _line,
    'T3 starting ' || strftime("DECOM", '%d/%m/%Y') || ' is T3 number ' || t3_in_12_months::varchar
        || ' for the child in 12 months; the limit is 2' as reason,
    "PLACE" as value
from counted
where t3_in_12_months > 2
order by _line
