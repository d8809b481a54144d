-- stability_short_term: DfE short-term placement stability over the 12 months to each as-at
-- date. Numerator: children looked after on the date (V3/V4 excluded) with 3 or more
-- placements that were open at any time in the 12 months (1 April - 31 March for 31 March).
-- Denominator: all children looked after on the date (V3/V4 excluded).
with counted as (
    select
        dates.as_at,
        count(looked_after.as_at) filter (where coalesce(counts.placements_12_months, 0) >= 3) as numerator,
        count(looked_after.as_at) as denominator
    from as_at_dates as dates
    left join int_looked_after_on_date as looked_after on looked_after.as_at = dates.as_at
    left join int_placement_counts as counts
        on counts.as_at = looked_after.as_at and counts.child_id = looked_after.child_id
    group by dates.as_at
),

final as (
    select as_at, 'stability_short_term' as metric_id, numerator, denominator, null::double as value
    from counted
)

select * from final
