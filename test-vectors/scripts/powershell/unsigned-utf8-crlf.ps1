param([string]$Name = "wörld")
Write-Host "Hello, $Name"
Get-Date
