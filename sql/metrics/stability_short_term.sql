-- stability_short_term: DfE short-term placement stability over the 12 months to the date.
-- Numerator: children looked after on the date (V3/V4 excluded) with 3 or more placements
-- that were open at any time in the 12 months (1 April - 31 March for 31 March).
-- Denominator: all children looked after on the date (V3/V4 excluded).
with looked_after as (
    select * from int_looked_after_on_date
),

placements_in_window as (
    select
        child_id,
        count(*) as placements
    from int_placements
    where placement_start <= getvariable('as_at')
      and (placement_end is null
           or placement_end >= getvariable('as_at') - interval 1 year + interval 1 day)
    group by child_id
),

final as (
    select
        'stability_short_term' as metric_id,
        count(*) filter (where coalesce(placements_in_window.placements, 0) >= 3) as numerator,
        count(*) as denominator,
        null::double as value
    from looked_after
    left join placements_in_window using (child_id)
)

select * from final
