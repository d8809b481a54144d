-- stability_two_year: DfE measure on the date: children looked after (V3/V4 excluded) whose
-- current period of care started at least 2 years before, and of those the share with 3 or
-- more placements open at any time in the 2 years to the date.
with looked_after as (
    select * from int_looked_after_on_date
    where period_start <= getvariable('as_at') - interval 2 year
),

final as (
    select
        'stability_two_year' as metric_id,
        count(*) filter (where coalesce(counts.placements_2_years, 0) >= 3) as numerator,
        count(*) as denominator,
        null::double as value
    from looked_after
    left join int_placement_counts as counts using (child_id)
)

select * from final
