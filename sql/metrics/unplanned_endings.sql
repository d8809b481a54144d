-- unplanned_endings: foster placements that ended in the 12 months to the date with a move to
-- another placement, where the recorded reason is the carer's request (CREQB, CREQO), an
-- allegation (ALLEG), standards of care (STAND) or the child's request (CHILD); the
-- denominator is every such move in the 12 months.
with changes as (
    select * from int_placement_changes
    where change_date between getvariable('as_at') - interval 1 year + interval 1 day and getvariable('as_at')
),

counted as (
    select
        count(*) filter (where reason_placement_changed in ('CREQB', 'CREQO', 'ALLEG', 'STAND', 'CHILD')) as unplanned,
        count(*) as moves
    from changes
),

final as (
    select 'unplanned_endings_12m' as metric_id, unplanned as numerator, null::bigint as denominator, null::double as value from counted
    union all select 'unplanned_endings_share_12m', unplanned, moves, null from counted
)

select * from final
