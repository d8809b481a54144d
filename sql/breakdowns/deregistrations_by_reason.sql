-- deregistrations_by_reason: households deregistered in the 12 months to the date set
-- (getvariable('as_at'); the 12 months start on its window_12m_start in as_at_dates), by reason,
-- in plain words (code_labels, from the data contract). The counts add up to the indicator.
with reporting_date as (
    select * from as_at_dates where as_at = getvariable('as_at')
),

carers as (
    select stg_carers.*
    from stg_carers
    inner join reporting_date
        on stg_carers.deregistration_date between reporting_date.window_12m_start and reporting_date.as_at
),

final as (
    select
        'deregistrations_12m' as metric_id,
        case
            when carers.deregistration_reason is null then 'Not recorded'
            else coalesce(labels.label, carers.deregistration_reason)
        end as category,
        count(*) as count
    from carers
    left join code_labels as labels
        on labels.extract = 'carers' and labels.column_name = 'deregistration_reason'
        and labels.code = carers.deregistration_reason
    group by all
)

select * from final order by category
