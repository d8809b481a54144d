-- stability_long_term: DfE long-term placement stability on each as-at date, counted from
-- int_stability_children.
-- Denominator: children looked after on the date (short breaks excluded), aged under 16, whose
-- current period of care started at least 2.5 years (30 months) before the date.
-- Numerator: of those, children whose current placement (same carer) started at least 2 years
-- before the date.
-- reads_from: the earliest day the figure depends on (30 months back: the cohort's care).
with counted as (
    select
        dates.as_at,
        dates.as_at - interval 30 month as reads_from,
        count(children.as_at) filter (where children.same_carer_2_years) as numerator,
        count(children.as_at) as denominator
    from as_at_dates as dates
    left join int_stability_children as children
        on children.as_at = dates.as_at
        and children.in_long_term_cohort
    group by dates.as_at
),

final as (
    select as_at, 'stability_long_term' as metric_id, numerator, denominator, null::double as value, reads_from::date as reads_from
    from counted
)

select * from final
