-- stability_short_term: DfE short-term placement stability over the 12 months to each as-at
-- date (1 April - 31 March for 31 March), counted from int_stability_children.
-- Denominator: children looked after on the date (short breaks V3/V4 excluded).
-- Numerator: of those, children with 3 or more placements in the 12 months.
-- reads_from: the earliest day the figure depends on (the 12 months' first day).
with counted as (
    select
        dates.as_at,
        dates.window_12m_start as reads_from,
        count(children.as_at) filter (where children.placements_12_months >= 3) as numerator,
        count(children.as_at) as denominator
    from as_at_dates as dates
    left join int_stability_children as children on children.as_at = dates.as_at
    group by dates.as_at, dates.window_12m_start
),

final as (
    select as_at, 'stability_short_term' as metric_id, numerator, denominator, null::double as value, reads_from
    from counted
)

select * from final
