-- stability_two_year: DfE measure on each as-at date: children looked after (V3/V4 excluded)
-- whose current period of care started at least 2 years before, and of those the share with 3
-- or more placements open at any time in the 2 years to the date.
with counted as (
    select
        dates.as_at,
        count(looked_after.as_at) filter (where coalesce(counts.placements_2_years, 0) >= 3) as numerator,
        count(looked_after.as_at) as denominator
    from as_at_dates as dates
    left join int_looked_after_on_date as looked_after
        on looked_after.as_at = dates.as_at
        and looked_after.period_start <= dates.as_at - interval 2 year
    left join int_placement_counts as counts
        on counts.as_at = looked_after.as_at and counts.child_id = looked_after.child_id
    group by dates.as_at
),

final as (
    select as_at, 'stability_two_year' as metric_id, numerator, denominator, null::double as value
    from counted
)

select * from final
