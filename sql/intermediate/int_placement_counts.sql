-- int_placement_counts: for each child, how many placements were open at any time in the
-- 12 months and in the 2 years to the as-at date (a placement that ended on a window's first
-- day counts). The DfE short-term and two-year measures read these counts.
with placements as (
    select * from int_placements
    where placement_start <= getvariable('as_at')
),

final as (
    select
        child_id,
        count(*) filter (
            where placement_end is null
               or placement_end >= getvariable('as_at') - interval 1 year + interval 1 day
        ) as placements_12_months,
        count(*) filter (
            where placement_end is null
               or placement_end >= getvariable('as_at') - interval 2 year + interval 1 day
        ) as placements_2_years
    from placements
    group by child_id
)

select * from final
