-- stability_two_year: DfE measure on the date: children looked after (V3/V4 excluded) whose
-- current period of care started at least 2 years before, and of those the share with 3 or
-- more placements open at any time in the 2 years to the date.
with looked_after as (
    select * from int_looked_after_on_date
    where period_start <= getvariable('as_at') - interval 2 year
),

placements_in_window as (
    select
        child_id,
        count(*) as placements
    from int_placements
    where placement_start <= getvariable('as_at')
      and (placement_end is null
           or placement_end >= getvariable('as_at') - interval 2 year + interval 1 day)
    group by child_id
),

final as (
    select
        'stability_two_year' as metric_id,
        count(*) filter (where coalesce(placements_in_window.placements, 0) >= 3) as numerator,
        count(*) as denominator,
        null::double as value
    from looked_after
    left join placements_in_window using (child_id)
)

select * from final
