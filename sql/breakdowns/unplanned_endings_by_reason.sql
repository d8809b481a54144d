-- unplanned_endings_by_reason: moves from foster placements in the 12 months to the date, by
-- the recorded reason for the change.
with changes as (
    select * from int_placement_changes
    where change_date between getvariable('as_at') - interval 1 year + interval 1 day and getvariable('as_at')
      and on_record_from <= getvariable('as_at')
),

final as (
    select 'unplanned_endings_12m' as metric_id, coalesce(reason_placement_changed, 'NOT RECORDED') as category, count(*) as count
    from changes
    group by all
)

select * from final order by category
