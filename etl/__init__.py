"""ETL and read API of the WIC Digital Economy Observatory warehouse."""
