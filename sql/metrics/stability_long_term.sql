-- stability_long_term: DfE long-term placement stability on the date.
-- Denominator: children looked after on the date (V3/V4 excluded), aged under 16, whose
-- current period of care started at least 2.5 years (30 months) before the date.
-- Numerator: of those, children whose current placement (same carer) started at least
-- 2 years before the date.
with looked_after as (
    select * from int_looked_after_on_date
    where date_of_birth + interval 16 year > getvariable('as_at')
      and period_start <= getvariable('as_at') - interval 30 month
),

current_placement as (
    select
        child_id,
        max_by(placement_start, placement_number) as placement_start
    from int_placements
    group by child_id
),

final as (
    select
        'stability_long_term' as metric_id,
        count(*) filter (
            where current_placement.placement_start <= getvariable('as_at') - interval 2 year
        ) as numerator,
        count(*) as denominator,
        null::double as value
    from looked_after
    left join current_placement using (child_id)
)

select * from final
