-- stg_carers: one row per accepted fostering household.
with source as (
    select * from accepted_carers
),

renamed as (
    select
        household_id,
        household_type,
        approval_date,
        deregistration_date,
        deregistration_reason,
        approved_places,
        emergency_bed = 'Y' as has_emergency_bed,
        assessment_bed = 'Y' as has_assessment_bed,
        support_team,
        skills_level,
        status as status_at_extract,
        "_line" as source_line
    from source
)

select * from renamed
