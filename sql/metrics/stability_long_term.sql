-- stability_long_term: DfE long-term placement stability on each as-at date.
-- Denominator: children looked after on the date (V3/V4 excluded), aged under 16, whose
-- current period of care started at least 2.5 years (30 months) before the date.
-- Numerator: of those, children whose current placement (same carer) started at least
-- 2 years before the date.
with counted as (
    select
        dates.as_at,
        count(looked_after.as_at) filter (
            where looked_after.current_placement_start <= dates.as_at - interval 2 year
        ) as numerator,
        count(looked_after.as_at) as denominator
    from as_at_dates as dates
    left join int_looked_after_on_date as looked_after
        on looked_after.as_at = dates.as_at
        and looked_after.date_of_birth + interval 16 year > dates.as_at
        and looked_after.period_start <= dates.as_at - interval 30 month
    group by dates.as_at
),

final as (
    select as_at, 'stability_long_term' as metric_id, numerator, denominator, null::double as value
    from counted
)

select * from final
