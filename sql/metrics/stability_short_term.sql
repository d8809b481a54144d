-- stability_short_term: DfE short-term placement stability over the 12 months to the date.
-- Numerator: children looked after on the date (V3/V4 excluded) with 3 or more placements
-- that were open at any time in the 12 months (1 April - 31 March for 31 March).
-- Denominator: all children looked after on the date (V3/V4 excluded).
with looked_after as (
    select * from int_looked_after_on_date
),

final as (
    select
        'stability_short_term' as metric_id,
        count(*) filter (where coalesce(counts.placements_12_months, 0) >= 3) as numerator,
        count(*) as denominator,
        null::double as value
    from looked_after
    left join int_placement_counts as counts using (child_id)
)

select * from final
